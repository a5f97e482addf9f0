"""A demo warehouse and a year of its history, for trying the app and for benchmarks."""

from warehouse.demo.demo_data import with_check_digit
from warehouse.demo.site import load_demo

__all__ = [
    "load_demo",
    "with_check_digit",
]
