"""Porting aliases for Twisted's ``twisted.test`` helpers."""
