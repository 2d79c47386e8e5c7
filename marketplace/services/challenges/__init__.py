"""Challenges from draft to completion: writing and publishing, searching, clarification questions and answers, deadlines and the text (Markdown, slugs) they are written in."""
