"""Pictures, PDFs and QR codes: the lesson pictures, posters, invite sheets, share cards."""
