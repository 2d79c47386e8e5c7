"""Organisations as the marketplace sees them: company profiles, showcases, followed challenges and the CPV divisions they are classified by."""
