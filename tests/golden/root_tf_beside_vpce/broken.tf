this is not read {{{
