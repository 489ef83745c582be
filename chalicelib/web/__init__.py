"""Server-rendered pages: templates, texts, security headers, signed cookies and form tokens.

Shared by the debtor's own page and, later, the client's dashboard pages.
"""
