"""The Excel add-in ``aftersales.xlam``: ribbon XML, VBA kept as text, the build and its checks.

No business logic lives here: every ribbon button runs a routine of ``aftersales.ribbon`` through
xlwings' RunPython, and the UDF wrappers are generated from ``udfs``.

- :func:`addin.build.build_addin` builds the add-in from xlwings' template;
- :func:`addin.install.install_addin` installs it for the current user (or explains how);
- :func:`addin.checks.check_addin` verifies a built file without Excel.
"""
