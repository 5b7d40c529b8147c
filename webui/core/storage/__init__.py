"""Where things are kept: the config folder, atomic files, the revisioned config store, the vault."""
