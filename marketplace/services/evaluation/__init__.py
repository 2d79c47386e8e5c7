"""Evaluation of the pitches: conflicts of interest, blind scoring, ranking, decisions with feedback and pitch sessions."""
