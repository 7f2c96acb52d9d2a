"""pi_inventory: which files, tables and columns hold which PI, how much, and how identifying."""
