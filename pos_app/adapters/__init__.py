"""The outside world behind small interfaces: keyring, hashing, printers, card terminal."""
