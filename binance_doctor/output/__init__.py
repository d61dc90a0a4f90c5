"""What is shown: the document model, its renderers, and the masking every printed byte goes through."""
