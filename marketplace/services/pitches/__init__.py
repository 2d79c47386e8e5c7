"""Solution pitches: drafts written in steps, submission with receipts, withdrawal, attachments and the seal that hides a pitch until the deadline."""
