"""hardlearn."""
