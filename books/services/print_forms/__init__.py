"""Printable forms (SPEC §7): the 销号申请单 of a problem and a unit's 整改情况报告.

data.py gathers what a form shows; the HTML pages (print/), the .xlsx workbooks (xlsx.py) and
the Word documents (books/services/documents.py) render it.
"""

from books.services.print_forms.data import closeout_form_data, unit_report_data
from books.services.print_forms.xlsx import closeout_form_xlsx, unit_report_xlsx

__all__ = ["closeout_form_data", "closeout_form_xlsx", "unit_report_data", "unit_report_xlsx"]
