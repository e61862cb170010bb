"""The understanding layer: free text to the right screen, danger to life first, never a dead end.

`words` reads text into comparable words, `index` holds what the guide was taught (examples and
keywords), `router` decides where a message goes. Pure: no I/O, no clock, nothing kept.
"""
