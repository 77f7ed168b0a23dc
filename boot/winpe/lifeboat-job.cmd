@echo off
rem Runs an unattended Lifeboat job in WinPE (startnet.cmd calls it when it finds a job file):
rem
rem     lifeboat-job.cmd D:\lifeboat-job.txt
rem
rem The format is the live image's (recovery/live/job-file.ts), with Windows' quoting: one
rem Lifeboat command per line, as written after "lifeboat" (a leading "lifeboat" is accepted);
rem lines that start with # are comments; "then ACTION" (the last step) says what happens after
rem every command succeeded and "on-failure ACTION" what happens after one failed, ACTION being
rem poweroff, reboot, menu (Lifeboat's screens, the default) or shell (a command prompt).
rem
rem poweroff and reboot are done here with wpeutil; menu and shell are startnet.cmd's, which
rem reads LIFEBOAT_JOB_NEXT. Exit code 0: every command succeeded; 1: the job file was refused,
rem a command failed, or wpeutil did. The log, lifeboat-job-YYYYMMDD-HHMMSS.log, sits beside the
rem job file.
rem
rem LIFEBOAT_EXE and LIFEBOAT_WPEUTIL name the programs this script runs. WinPE needs neither; they
rem let test/unit/winpe/ run this very script under Wine with stand-ins that record their arguments.
rem
rem How it is written, and why:
rem - Job lines reach Lifeboat only through FOR variables (%%A %%B) on the command line itself.
rem   cmd inserts those after it has parsed the line, so & | < > ^ % ! ( ) and quotes in a job line
rem   are passed to Lifeboat as written, never run as operators or expanded.
rem - FOR bodies hold only plain commands and one-line IFs; decisions live in subroutines. Wine's
rem   cmd (used by the tests) mis-parses nested IF/ELSE blocks inside FOR, and this keeps it readable.
rem - Delayed expansion is off except inside :say, so a ! in a job line is never eaten.
setlocal EnableExtensions DisableDelayedExpansion

if "%~1"=="" (
  echo Usage: lifeboat-job.cmd JOBFILE
  exit /b 1
)
set "JOB=%~f1"
set "JOBDIR=%~dp1"
if not defined LIFEBOAT_EXE set "LIFEBOAT_EXE=%SystemDrive%\lifeboat\lifeboat-win-x64.exe"
if not defined LIFEBOAT_WPEUTIL set "LIFEBOAT_WPEUTIL=wpeutil"
rem The commands a job may run, as in recovery/live/job-file.ts: not the screens, not a job.
set "JOB_COMMANDS=capture restore verify clone check repair snapshots inspect disks forget prune media"
set "NEXT=menu"
set "JOB_RC=1"
if not exist "%JOB%" (
  echo The job file "%JOB%" does not exist.
  goto hand_back
)

rem The log sits next to the job file, so it comes home on the stick. A read-only medium gets the
rem log in TEMP instead (lost at power-off, but the run is still shown on the screen).
call :make_stamp
set "LOG=%JOBDIR%lifeboat-job-%STAMP%.log"
type nul >"%LOG%" 2>nul
if exist "%LOG%" goto log_is_open
set "LOG=%TEMP%\lifeboat-job-%STAMP%.log"
type nul >"%LOG%"
echo The folder of the job file cannot be written; the log goes to %LOG% instead.
:log_is_open

rem Read the whole file before running anything: a typo in the last line must stop the job now,
rem not after an hour of imaging.
set "COMMANDS=0"
set "THEN_SEEN="
set "THEN=menu"
set "ON_FAILURE=menu"
set "PROBLEM="
for /f "usebackq eol=# tokens=1,2,*" %%A in ("%JOB%") do (
  set "WORD=%%A"
  set "ARG=%%B"
  set "REST=%%C"
  call :check_line
)
if defined PROBLEM goto refuse
if "%COMMANDS%"=="0" (
  set "PROBLEM=it holds no command, only comments"
  goto refuse
)

set "MSG=Job %JOB%: %COMMANDS% command(s), then %THEN% (on failure: %ON_FAILURE%). Log: %LOG%"
call :say

rem Relative paths in the job (\images\pc-42, images\pc-42) then land on the job file's drive,
rem whatever letter WinPE gave the stick on this machine.
cd /d "%JOBDIR%"

rem stdin is NUL: nobody is there to answer, so a command that would ask (a restore without
rem --yes --confirm-target) stops with its own message instead of waiting forever.
set "N=0"
set "FAILED="
for /f "usebackq eol=# tokens=1,*" %%A in ("%JOB%") do (
  set "WORD=%%A"
  call :command_starts
  if defined AS_WRITTEN echo.    lifeboat %%A %%B
  if defined AS_WRITTEN >>"%LOG%" echo.    lifeboat %%A %%B
  if defined DROP_WORD echo.    lifeboat %%B
  if defined DROP_WORD >>"%LOG%" echo.    lifeboat %%B
  if defined RUN call :mark_output_start
  if defined AS_WRITTEN "%LIFEBOAT_EXE%" %%A %%B <nul >>"%LOG%" 2>&1
  if defined DROP_WORD "%LIFEBOAT_EXE%" %%B <nul >>"%LOG%" 2>&1
  if defined RUN call :command_ended
)
if defined FAILED goto job_failed
set "NEXT=%THEN%"
set "JOB_RC=0"
set "MSG=Every command succeeded; next: %NEXT%."
call :say
goto what_next

:job_failed
set "NEXT=%ON_FAILURE%"
set /a "SKIPPED=COMMANDS-N"
set "MSG=The job stopped at command %N% of %COMMANDS%: %SKIPPED% command(s) after it did not run; next: %NEXT%. Log: %LOG%"
call :say
goto what_next

:refuse
set "MSG=The job file %JOB% was not run: %PROBLEM%. Nothing was done."
call :say
goto hand_back

:what_next
set "WPEUTIL_ACTION="
if /i "%NEXT%"=="poweroff" set "WPEUTIL_ACTION=shutdown"
if /i "%NEXT%"=="reboot" set "WPEUTIL_ACTION=reboot"
if not defined WPEUTIL_ACTION goto hand_back
"%LIFEBOAT_WPEUTIL%" %WPEUTIL_ACTION%
if not errorlevel 1 goto hand_back
set "MSG=wpeutil %WPEUTIL_ACTION% failed; a command prompt follows instead."
call :say
set "NEXT=shell"
set "JOB_RC=1"

:hand_back
rem ENDLOCAL drops this script's variables; the line is expanded before it runs, so NEXT and
rem JOB_RC still reach startnet.cmd.
endlocal & set "LIFEBOAT_JOB_NEXT=%NEXT%" & exit /b %JOB_RC%

rem ---- subroutines ------------------------------------------------------------------------

:check_line
rem One line of the first reading: WORD, ARG and REST are its first, second and other words.
if not defined WORD exit /b 0
if /i "%WORD%"=="then" (
  set "THEN_SEEN=1"
  set "THEN=%ARG%"
  goto check_action
)
if /i "%WORD%"=="on-failure" (
  set "ON_FAILURE=%ARG%"
  goto check_action
)
if defined THEN_SEEN (
  set "PROBLEM=%WORD% comes after the then line, which must be the last step"
  exit /b 0
)
set "COMMAND=%WORD%"
if /i "%WORD%"=="lifeboat" set "COMMAND=%ARG%"
set "KNOWN="
for %%C in (%JOB_COMMANDS%) do if /i "%COMMAND%"=="%%C" set "KNOWN=1"
if not defined KNOWN set "PROBLEM=%COMMAND% is not a command a job can run; use one of %JOB_COMMANDS%"
set /a COMMANDS+=1
exit /b 0

:check_action
rem After then or on-failure: exactly one word, one of the four actions.
if defined REST goto bad_action
for %%X in (poweroff reboot menu shell) do if /i "%ARG%"=="%%X" exit /b 0
:bad_action
set "PROBLEM=%WORD% takes one of poweroff, reboot, menu, shell"
exit /b 0

:command_starts
rem Decides what the loop does with the line in WORD: skip it (blank, then, on-failure, or after a
rem failure), run it as written, or run it without a leading "lifeboat".
set "RUN="
set "AS_WRITTEN="
set "DROP_WORD="
if not defined WORD exit /b 0
if /i "%WORD%"=="then" exit /b 0
if /i "%WORD%"=="on-failure" exit /b 0
if defined FAILED exit /b 0
set "RUN=1"
if /i "%WORD%"=="lifeboat" (set "DROP_WORD=1") else (set "AS_WRITTEN=1")
set /a N+=1
set "MSG=Command %N% of %COMMANDS%:"
call :say
exit /b 0

:mark_output_start
rem Counts the log's lines now, so that a failure can show this command's output alone.
set "START=0"
for /f "usebackq eol=| delims=" %%L in ("%LOG%") do set /a START+=1
exit /b 0

:command_ended
rem CALL keeps the errorlevel of the command before it: this first line reads Lifeboat's exit code.
set "RC=%ERRORLEVEL%"
if "%RC%"=="0" (
  set "MSG=Command %N% of %COMMANDS% succeeded."
  call :say
  exit /b 0
)
set "FAILED=1"
rem Its output went only to the log: show it on the screen now, then say what happened.
for /f "usebackq skip=%START% eol=| delims=" %%L in ("%LOG%") do echo.    %%L
set "MSG=Command %N% of %COMMANDS% failed with exit code %RC% (its output is above and in the log)."
call :say
exit /b 0

:say
rem Shows MSG after the time, on the screen and in the log. Delayed expansion prints MSG as it is,
rem even when it holds characters that cmd would otherwise take for operators.
set "NOW=%TIME:~0,8%"
setlocal EnableDelayedExpansion
echo.!NOW! !MSG!
>>"!LOG!" echo.!NOW! !MSG!
endlocal
exit /b 0

:make_stamp
rem The log's name needs the date and time in a fixed order, YYYYMMDD-HHMMSS as on the live image.
rem WMIC gives them whatever the locale (yyyymmddHHMMSS.ffffff+zzz); without WMIC, %DATE% and
rem %TIME% made safe for a file name do.
set "RAW="
for /f "tokens=1,2 delims=." %%T in ('wmic os get LocalDateTime 2^>nul') do if not "%%U"=="" set "RAW=%%T"
if defined RAW if not "%RAW:~13,1%"=="" (
  set "STAMP=%RAW:~0,8%-%RAW:~8,6%"
  exit /b 0
)
set "STAMP=%DATE%-%TIME%"
set "STAMP=%STAMP:/=-%"
set "STAMP=%STAMP::=-%"
set "STAMP=%STAMP:.=-%"
set "STAMP=%STAMP:,=-%"
set "STAMP=%STAMP: =-%"
exit /b 0
