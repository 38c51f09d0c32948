"""Development data: the demo county (`seed_demo`) and bulk benchmark data (`generate_data`).

It writes through the product apps' services and models; no product app imports it.
"""
