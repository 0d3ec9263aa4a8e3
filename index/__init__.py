"""footnote's library: load, clean, chunk, embed, store and retrieve articles."""
