"""The simulated world: customers, channels, claims, feelings and word of mouth."""
