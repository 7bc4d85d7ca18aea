@echo off
chcp 65001 >nul
rem 检查文件.bat: drag a workbook (or a month folder) onto this file to check it with
rem "zhenxing.exe check": issues are listed, nothing is written. The window waits for a key.
rem Encoding: UTF-8 without BOM, CRLF, "chcp 65001" first; see 每月运行.bat for why.
setlocal
cd /d "%~dp0"
set "EXE=%~dp0zhenxing.exe"
if not exist "%EXE%" set "EXE=%~dp0..\zhenxing.exe"
if not exist "%EXE%" goto noexe
if "%~1"=="" goto usage

"%EXE%" check "%~1"
set "CODE=%ERRORLEVEL%"
echo.
echo ============================================================
if "%CODE%"=="0" echo 退出码 0：没有发现错误，这份报表可以采用。
if "%CODE%"=="1" echo 退出码 1：有错误，出错的报表（工作表）不会被采用。请按上面列出的工作表和单元格改正。
if "%CODE%"=="2" echo 退出码 2：命令或方案有误，或看不出报送月份。请按上面的提示处理。
if %CODE% GTR 2 echo 退出码 %CODE%：检查没有完成，请看上面的提示。
echo ============================================================
echo 按任意键关闭本窗口。
pause >nul
exit /b %CODE%

:usage
echo 用法：用鼠标把要检查的报表文件，或整个月份文件夹，拖到 检查文件.bat 的图标上松开。
echo 只检查、列出问题，不入库，不生成通报。
pause >nul
exit /b 2

:noexe
echo 找不到 zhenxing.exe。请先把压缩包全部解压到一个文件夹。
pause >nul
exit /b 3
