"""The home page: the chapter's path, and the book's example computed live.

text   the tour's cards and the sentences about the live example
"""
