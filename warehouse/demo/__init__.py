"""A demo warehouse and a year of its history, for trying the app and for benchmarks."""

from warehouse.demo.demo_data import with_check_digit
from warehouse.demo.harbor import load_harbor
from warehouse.demo.site import load_demo

__all__ = [
    "load_demo",
    "load_harbor",
    "with_check_digit",
]
