"""The corpus lifecycle: the live snapshot, refreshed and swapped whole, and its catalogue."""
