"""Phone book: load contacts, match digit readings to them, follow the file for changes."""

from .book import Contact, PhoneBook, PhoneBookError, load_phonebook, sample_path
from .match import Candidate, Matcher, ambiguous
from .watch import watch_phonebook

__all__ = [
    "Candidate",
    "Contact",
    "Matcher",
    "PhoneBook",
    "PhoneBookError",
    "ambiguous",
    "load_phonebook",
    "sample_path",
    "watch_phonebook",
]
