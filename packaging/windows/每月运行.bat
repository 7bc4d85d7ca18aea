@echo off
chcp 65001 >nul
rem 每月运行.bat: runs "zhenxing.exe run" in the folder this file is in, then waits for a key so
rem the window stays open. It also works from the 示例 subfolder (zhenxing.exe one folder up).
rem
rem Encoding: this file is UTF-8 without BOM, CRLF line endings. cmd reads a batch file line by
rem line in the console's current code page, so once line 2 has switched to 65001 every later line
rem is read as UTF-8, whatever the system locale. A GBK file would be right only under code page 936
rem and turns to mojibake when Windows 10/11's "Beta: Use Unicode UTF-8 for worldwide language
rem support" is on. Commands use ASCII only; Chinese appears only in echoed text, so a misread line
rem could garble a message, never a command. zhenxing.exe itself writes to the console as UTF-16
rem (WriteConsoleW) and shows Chinese correctly in any code page. No BOM: cmd would read it as part
rem of the first command. (Wine's cmd decodes batch lines in the ANSI code page and ignores chcp:
rem under wine these messages come out garbled; scripts/smoke checks what the file does, not them.)
setlocal
cd /d "%~dp0"
set "EXE=%~dp0zhenxing.exe"
if not exist "%EXE%" set "EXE=%~dp0..\zhenxing.exe"
if not exist "%EXE%" goto noexe

rem The month zhenxing takes by default: the newest YYYY-MM folder under input (for /d walks NTFS
rem folders in name order).
set "MONTH="
for /d %%m in (input\20??-??) do set "MONTH=%%~nxm"

echo 正在运行 zhenxing：校验、入库、汇总并生成本月通报……
echo.
"%EXE%" run %*
set "CODE=%ERRORLEVEL%"
echo.
echo ============================================================
if "%CODE%"=="0" echo 退出码 0：全部正常，各单位都已报送，没有错误。
if "%CODE%"=="1" echo 退出码 1：已生成通报，但有数据问题：有错误、未报送或数据有误。请看通报的“数据问题”“报送情况”工作表，把 feedback 文件夹里的反馈表发给对应镇街。
if "%CODE%"=="2" echo 退出码 2：命令或方案有误，例如 input 里没有月份文件夹，或方案校验不通过。请按上面的提示改正。
if "%CODE%"=="3" echo 退出码 3：运行失败，无法写入结果或历史数据，例如通报正在 WPS 或 Excel 中打开。关闭后再运行。
if "%CODE%"=="4" echo 退出码 4：另一个 zhenxing 正在运行，例如计划任务。请稍后再试。
if "%CODE%"=="5" echo 退出码 5：月份文件夹里没有镇街报表，或数据比已入库的该月少得多，为防止误覆盖没有运行。见 使用说明.txt 第五节。
if %CODE% GTR 1 goto done
if defined MONTH if exist "output\%MONTH%" echo 结果在：%CD%\output\%MONTH%
if not defined MONTH echo 结果在：%CD%\output
:done
echo ============================================================
echo 按任意键关闭本窗口。
pause >nul
exit /b %CODE%

:noexe
echo 找不到 zhenxing.exe。请先把压缩包全部解压到一个文件夹，再双击其中的 每月运行.bat。
pause >nul
exit /b 3
