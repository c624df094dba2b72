"""Public mobile web pages (no sign-in): the page a receipt's QR code opens outside WeChat."""
