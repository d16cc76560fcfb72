-- Neovim: .vpce files are HCL. Put this in your init.lua (or ~/.config/nvim/plugin/vpce.lua).
vim.filetype.add({ extension = { vpce = "hcl" } })
-- With nvim-treesitter, the hcl parser then highlights them:
--   :TSInstall hcl
-- (the filetype is hcl, so nothing else is needed; for a separate "vpce" filetype you would add
--  vim.treesitter.language.register("hcl", "vpce")).
