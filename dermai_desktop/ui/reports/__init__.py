"""Printed and exported documents: the lesion report."""
