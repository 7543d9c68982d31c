"""People: importing the lists coordinators already have."""
