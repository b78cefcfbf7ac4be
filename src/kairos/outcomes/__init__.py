"""After the contact: wrap-up, quality review, missed moments, feedback, outreach, reports."""
