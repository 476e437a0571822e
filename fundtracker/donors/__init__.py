"""Donors: Member States, intergovernmental organisations, private and other donors."""
