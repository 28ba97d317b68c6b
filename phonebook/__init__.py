"""Phone book: load contacts, match digit readings to them, follow the file for changes, and
keep the confirmed matches."""

from .book import Contact, PhoneBook, PhoneBookError, load_phonebook, sample_path
from .match import Candidate, Matcher, ambiguous
from .store import Confirmed, ConfirmedStore, StoreError
from .watch import watch_phonebook

__all__ = [
    "Candidate",
    "Confirmed",
    "ConfirmedStore",
    "Contact",
    "Matcher",
    "PhoneBook",
    "PhoneBookError",
    "StoreError",
    "ambiguous",
    "load_phonebook",
    "sample_path",
    "watch_phonebook",
]
