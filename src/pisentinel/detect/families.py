"""Prefilter families: bits naming which kinds of recognizer a text needs. The prefilter sets
them; each recognizer declares the bits that make it run."""

DIGITS = 1 << 0
EMAIL = 1 << 1
PLATE = 1 << 2
IP = 1 << 3
CONTACT_CUE = 1 << 4
BIRTH = 1 << 5
GPS = 1 << 6
MEDICAL = 1 << 7
RELIGION = 1 << 8
BIOMETRIC = 1 << 9
NAME = 1 << 10
ADDRESS = 1 << 11
TIME = 1 << 12
USCC = 1 << 13
LANDLINE = 1 << 14
DOC_CUE = 1 << 15
CUSTOM = 1 << 16  # a user's rule (detect.rules) matched
DEVICE = 1 << 17
ALL = (1 << 18) - 1
