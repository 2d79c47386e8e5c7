"""Pilots of selected pitches: the stage workflow with its checklists, budgets and payments, documents, reminders and public outcomes."""
