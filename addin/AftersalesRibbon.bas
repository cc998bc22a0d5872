Attribute VB_Name = "AftersalesRibbon"
' Ribbon callbacks of the after-sales add-in (aftersales.xlam).
'
' One Sub per button of ribbon.xml. Each runs, through xlwings' RunPython, the same Python
' routine the command line runs (aftersales.ribbon.<function>, see aftersales.ribbon.BUTTONS); the
' routine acts on the active workbook. Keep this file ASCII: VBA stores source in the project's
' code page, so Chinese text belongs in ribbon.xml or in Python.
Option Explicit

Sub OnRibbonLoad(ribbon As IRibbonUI)
    ' Give the Python UDFs their descriptions in Excel's function wizard (Windows only).
    ' Late bound on purpose: xlwings' "Import Functions" may replace the xlwings_udfs module.
    On Error Resume Next
    Application.Run "'" & ThisWorkbook.Name & "'!xlwings_udfs.RegisterUdfHelp"
End Sub

Sub OnDispatch(control As IRibbonControl)
    RunPython "import aftersales.ribbon; aftersales.ribbon.dispatch()"
End Sub

Sub OnRefreshAll(control As IRibbonControl)
    RunPython "import aftersales.ribbon; aftersales.ribbon.refresh_all()"
End Sub

Sub OnRefreshKpi(control As IRibbonControl)
    RunPython "import aftersales.ribbon; aftersales.ribbon.refresh_kpi()"
End Sub

Sub OnMonthlySummary(control As IRibbonControl)
    RunPython "import aftersales.ribbon; aftersales.ribbon.monthly_summary()"
End Sub

Sub OnCallbacks(control As IRibbonControl)
    RunPython "import aftersales.ribbon; aftersales.ribbon.callbacks()"
End Sub

Sub OnReportEvaluation(control As IRibbonControl)
    RunPython "import aftersales.ribbon; aftersales.ribbon.report_evaluation()"
End Sub

Sub OnReportMonthly(control As IRibbonControl)
    RunPython "import aftersales.ribbon; aftersales.ribbon.report_monthly()"
End Sub

Sub OnReportChecklist(control As IRibbonControl)
    RunPython "import aftersales.ribbon; aftersales.ribbon.report_checklist()"
End Sub

Sub OnStaffing(control As IRibbonControl)
    RunPython "import aftersales.ribbon; aftersales.ribbon.staffing()"
End Sub

Sub OnNewWorkbook(control As IRibbonControl)
    RunPython "import aftersales.ribbon; aftersales.ribbon.new_workbook()"
End Sub

Sub OnImportNotice(control As IRibbonControl)
    RunPython "import aftersales.ribbon; aftersales.ribbon.import_holiday_notice()"
End Sub

Sub OnConsolidate(control As IRibbonControl)
    RunPython "import aftersales.ribbon; aftersales.ribbon.consolidate_hq()"
End Sub
