@echo off
chcp 65001 >nul
rem 自动运行.bat: for Windows Task Scheduler (任务计划程序), the equivalent of the README's cron line:
rem last month's statistics, skipped when the input files are unchanged since the last run, quiet,
rem appended to output\auto-run.log (an ASCII name: commands here stay ASCII). It never pauses.
rem Its exit code is zhenxing's, which Task Scheduler shows as 上次运行结果 (0x0 clean, 0x1
rem bulletin written with data problems).
rem Encoding: UTF-8 without BOM, CRLF, "chcp 65001" first; see 每月运行.bat for why.
setlocal
cd /d "%~dp0"
if not exist output mkdir output
echo ==== %DATE% %TIME% >> "output\auto-run.log"
"%~dp0zhenxing.exe" run --period last-month --if-changed --quiet %* >> "output\auto-run.log" 2>&1
set "CODE=%ERRORLEVEL%"
echo ==== exit %CODE% >> "output\auto-run.log"
exit /b %CODE%
