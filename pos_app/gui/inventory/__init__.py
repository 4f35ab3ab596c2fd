"""The inventory screens: the list, item detail and edit, receiving, adjusting, tags."""
