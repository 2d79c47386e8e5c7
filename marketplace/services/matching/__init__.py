"""Matching challenges to company profiles: the profile index, scores with their reasons, invitations and the notices sent to matching companies."""
