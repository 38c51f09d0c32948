"""Books: what offices take in and hand out — the import, the exports, the printable forms.

It reads and writes through the domain in issues/ (models, selectors, services); issues/ never
imports it. Dependencies point one way: notifications -> books -> issues -> ledger.
"""
