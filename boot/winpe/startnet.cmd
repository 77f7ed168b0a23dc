@echo off
rem Lifeboat's WinPE start-up script. The build puts it in X:\Windows\System32, where it replaces
rem WinPE's own startnet.cmd, and winpeshl.ini runs it as "cmd.exe /k startnet.cmd".
rem
rem It prepares the machine (wpeinit, power plan, console size), then runs the unattended job when
rem a drive holds lifeboat-job.txt at its root (lifeboat-job.cmd; afterwards what its then or
rem on-failure line asks), or else Lifeboat's screens. When the screens end it opens a command
rem prompt instead of letting WinPE reboot, so the technician is never stuck: typing exit there
rem starts Lifeboat's screens again.
setlocal EnableExtensions DisableDelayedExpansion
title Lifeboat

rem wpeinit starts Plug and Play and the network: without it the drivers of USB sticks, disk
rem controllers and network cards are not loaded, and the stick's data partition has no letter.
echo Starting Lifeboat: loading the drivers of disks, USB and network (wpeinit)...
wpeinit

rem WinPE boots with the Balanced power plan; imaging compresses on every core, so ask for High
rem performance. Machines without that plan keep theirs.
powercfg /s 8c5e7fda-e8bf-4a96-9a85-a6e23a8c635c >nul 2>&1

rem Lifeboat's screens need 80x25 and show more disks with more lines. MODE sets the window and the
rem buffer to the same size, so nothing scrolls away from what Lifeboat draws; 100x32 characters
rem fit an 800x600 screen with the console's default font.
mode con cols=100 lines=32 >nul 2>&1

rem LIFEBOAT_LIVE=1 offers Reboot and Power off in Lifeboat's menu (run with wpeutil).
rem LIFEBOAT_ASCII=1 draws with plain ASCII: WinPE's console font has no block or box glyphs, and
rem Lifeboat would pick ASCII for the classic console anyway; saying it keeps that true.
set "LIFEBOAT_LIVE=1"
set "LIFEBOAT_ASCII=1"
set "LIFEBOAT_EXE=%SystemDrive%\lifeboat\lifeboat-win-x64.exe"
rem On PATH, lifeboat.cmd and lifeboat-job.cmd can be typed at the prompt as lifeboat and lifeboat-job.
set "PATH=%SystemDrive%\lifeboat;%PATH%"

if not exist "%LIFEBOAT_EXE%" goto missing_program

rem An unattended job: the first lifeboat-job.txt found at the root of a drive, C: to Z:. X: is
rem WinPE itself; A: and B: are floppy letters that only slow the search down.
set "JOBFILE="
for %%D in (C D E F G H I J K L M N O P Q R S T U V W Y Z) do if not defined JOBFILE if exist "%%D:\lifeboat-job.txt" set "JOBFILE=%%D:\lifeboat-job.txt"
if not defined JOBFILE goto screens
echo Found the job file %JOBFILE%: running it.
set "JOB_FAILED="
call "%SystemDrive%\lifeboat\lifeboat-job.cmd" "%JOBFILE%"
if errorlevel 1 set "JOB_FAILED=1"
rem The job ran wpeutil itself for poweroff and reboot; menu and shell are done here.
if /i "%LIFEBOAT_JOB_NEXT%"=="shell" goto prompt
if /i "%LIFEBOAT_JOB_NEXT%"=="poweroff" goto going_down
if /i "%LIFEBOAT_JOB_NEXT%"=="reboot" goto going_down
rem Lifeboat's screens would cover the job's message at once: after a failure, wait for a key.
if defined JOB_FAILED pause
goto screens

:going_down
echo The computer is switching off or restarting. If it does not, use this prompt.
goto prompt

:screens
cd /d "%SystemDrive%\"
"%LIFEBOAT_EXE%"
if errorlevel 1 echo Lifeboat ended with exit code %ERRORLEVEL%.

:prompt
echo.
echo This is a command prompt. Useful commands:
echo   lifeboat           Lifeboat's screens again (lifeboat --help lists its commands)
echo   lifeboat disks     the disks of this computer
echo   wpeutil reboot     restart the computer (wpeutil shutdown turns it off)
echo   exit               leave this prompt: Lifeboat's screens start again
cmd.exe /k
goto screens

:missing_program
echo.
echo Lifeboat's program is missing from this WinPE image: %LIFEBOAT_EXE%
echo Build the image again with build-scripts\build-winpe.ps1 (see docs/winpe.md).
echo This is a command prompt; wpeutil reboot restarts the computer.
cmd.exe /k
goto missing_program
