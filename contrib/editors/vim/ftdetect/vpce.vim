" .vpce files are HCL (the syntax of .tf files): Vim and Neovim highlight them as hcl.
" Copy to ~/.vim/ftdetect/ (Vim) or ~/.config/nvim/ftdetect/ (Neovim).
autocmd BufRead,BufNewFile *.vpce setfiletype hcl
