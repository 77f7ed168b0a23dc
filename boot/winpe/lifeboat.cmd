@echo off
rem Lets the technician type "lifeboat ..." at WinPE's prompt: startnet.cmd puts this folder
rem (X:\lifeboat) on PATH, and this passes every argument to the program beside it.
"%~dp0lifeboat-win-x64.exe" %*
exit /b %ERRORLEVEL%
