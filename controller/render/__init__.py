"""Views of a ChangePlan: terminal text, versioned JSON, Markdown for pull-request comments.

Rendering never changes a plan; every view is computed from the same ChangePlan.
"""
