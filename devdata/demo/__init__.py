"""The demo county 清河县, seeded by `manage.py seed_demo` through the real services."""

from .build import demo_problems, is_seeded, seed
from .county import COUNTY_PEOPLE, DEMO_PASSWORD, UNITS, all_usernames

__all__ = [
    "COUNTY_PEOPLE",
    "DEMO_PASSWORD",
    "UNITS",
    "all_usernames",
    "demo_problems",
    "is_seeded",
    "seed",
]
