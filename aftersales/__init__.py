"""The fronts of the after-sales workbook: the command line (``aftersales``), the ribbon's entry
points (run by the Excel add-in through xlwings' RunPython) and the demo.

They only translate between a user and the routines: arguments or the active workbook in,
``macros`` routines and ``reports`` run, messages out. Keeping them out of ``macros`` lets the
routines and the reports import each other in one direction only (docs/architecture.md).
"""
