"""Core: the shared vocabulary (codes), the page layout, presenters and the domain error base.

Owns no clinical data.
"""
