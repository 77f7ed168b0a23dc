#Requires -Version 5.1
<#
.SYNOPSIS
Builds Lifeboat's WinPE: dist\winpe\lifeboat-winpe.iso, and optionally a bootable USB stick.

.DESCRIPTION
Finds the Windows ADK and its WinPE add-on, copies the WinPE files (copype), mounts boot.wim with
DISM, adds the optional components and drivers Lifeboat needs, copies lifeboat-win-x64.exe and the
start-up files of boot\winpe into the image, saves it, and makes the ISO with MakeWinPEMedia.
With -UsbDisk it then erases that USB disk (after you type its number), writes WinPE on a 2 GiB
FAT32 partition and gives the rest to an NTFS partition labelled LIFEBOAT-DATA for images and jobs.
Step by step, and what to do when something fails: docs\winpe.md.

.PARAMETER Exe
Lifeboat's Windows program (npm run build:binary -- --target win-x64).

.PARAMETER Drivers
A folder of drivers (.inf files, subfolders searched) for storage and network hardware WinPE lacks.
The usual missing one: Intel RST / VMD, without which the NVMe disks of many laptops are invisible.

.PARAMETER OutDir
Where the ISO, the DISM log and the working files go.

.PARAMETER UsbDisk
The number (as Get-Disk shows it) of a USB disk to erase and make bootable.

.PARAMETER Arch
The WinPE architecture; amd64, the only one Lifeboat is built for.

.PARAMETER PowerShell
Also add PowerShell to WinPE (with .NET, the Storage and DISM cmdlets), for the technician.

.EXAMPLE
powershell -ExecutionPolicy Bypass -File build-scripts\build-winpe.ps1 -Drivers C:\drivers -UsbDisk 2
#>
[CmdletBinding()]
param(
    [string]$Exe = (Join-Path $PSScriptRoot '..\dist\lifeboat-win-x64.exe'),
    [string]$Drivers = '',
    [string]$OutDir = (Join-Path $PSScriptRoot '..\dist\winpe'),
    [ValidateRange(0, 1000)]
    [int]$UsbDisk = -1,
    [ValidateSet('amd64')]
    [string]$Arch = 'amd64',
    [switch]$PowerShell
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$BootFiles = Join-Path (Split-Path -Parent $PSScriptRoot) 'boot\winpe'
# Relative paths are taken from PowerShell's current location, which .NET does not follow.
$Exe = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($Exe)
$OutDir = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($OutDir)
$WorkDir = Join-Path $OutDir 'work'
$MountDir = Join-Path $WorkDir 'mount'
$DismLog = Join-Path $OutDir 'dism.log'

# Optional components in the order DISM must add them (prerequisites first), each followed by its
# en-us language pack when the add-on has one. WinPE-WMI: WMI, which wmic (the job log's time
# stamp) and hardware tools use. WinPE-Scripting: Windows Script Host for the technician's scripts.
# WinPE-EnhancedStorage: drives with IEEE 1667 hardware encryption appear as they should.
# WinPE-FMAPI: the file management API that file-recovery tools use.
$BaseComponents = @('WinPE-WMI', 'WinPE-Scripting', 'WinPE-EnhancedStorage', 'WinPE-FMAPI')
# PowerShell needs .NET; the Storage cmdlets (Get-Disk...) and the DISM cmdlets are PowerShell
# modules, useless without it, so they come with -PowerShell only.
$PowerShellComponents = @('WinPE-NetFX', 'WinPE-PowerShell', 'WinPE-StorageWMI', 'WinPE-DismCmdlets')
# Lifeboat's CRC-32C addon is built against the Visual C++ runtime, which WinPE lacks: without these
# two DLLs Lifeboat cannot start there (docs/windows.md). They come from this computer's System32,
# where the Visual C++ 2015-2022 Redistributable (x64) puts them.
$VcRuntimeDlls = @('VCRUNTIME140.dll', 'VCRUNTIME140_1.dll')

function Stop-Build([string]$Sentence) {
    # Our own sentences are printed alone; anything else also gets its script position.
    $exception = [System.Exception]::new($Sentence)
    $exception.Data['LifeboatSentence'] = $true
    throw $exception
}

function Write-Step([string]$Text) {
    Write-Host "== $Text" -ForegroundColor Cyan
}

function Assert-Prerequisites {
    if ([System.Environment]::OSVersion.Platform -ne [System.PlatformID]::Win32NT) {
        Stop-Build 'This script runs only on Windows (10 version 1703 or later, or 11): it needs the Windows ADK, its WinPE add-on and DISM.'
    }
    if (-not [System.Environment]::Is64BitProcess) {
        Stop-Build 'This is the 32-bit PowerShell, which sees 32-bit system files and cannot drive DISM for a 64-bit image: run Windows PowerShell (x64).'
    }
    $principal = [Security.Principal.WindowsPrincipal]::new([Security.Principal.WindowsIdentity]::GetCurrent())
    if (-not $principal.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)) {
        Stop-Build 'DISM can mount and change the WinPE image only as Administrator: open PowerShell with "Run as administrator" and run this script again.'
    }
    if (-not (Test-Path -LiteralPath $Exe -PathType Leaf)) {
        Stop-Build "Lifeboat's Windows program is missing: $Exe. Build it with npm run build:binary -- --target win-x64 (docs\binary.md), or name it with -Exe."
    }
    foreach ($dll in $VcRuntimeDlls) {
        if (-not (Test-Path -LiteralPath (Join-Path $env:SystemRoot "System32\$dll") -PathType Leaf)) {
            # Lifeboat then computes CRC-32C in JavaScript (docs/windows.md): it works, a little slower.
            Write-Warning "$dll is missing from this computer, so WinPE will use Lifeboat's slower JavaScript CRC-32C. Install the Microsoft Visual C++ 2015-2022 Redistributable (x64) and run this script again for the fast one."
        }
    }
    if ($Drivers -ne '') {
        if (-not (Test-Path -LiteralPath $Drivers -PathType Container)) {
            Stop-Build "The drivers folder $Drivers does not exist. -Drivers names a folder of extracted drivers (.inf files; subfolders are searched)."
        }
        if ($null -eq (Get-ChildItem -LiteralPath $Drivers -Filter '*.inf' -Recurse -File | Select-Object -First 1)) {
            Stop-Build "The drivers folder $Drivers holds no .inf file. Extract the vendor's driver package (an .exe or .zip) into it first."
        }
    }
}

function Find-Adk {
    $kitsRoot = $null
    foreach ($key in @('HKLM:\SOFTWARE\WOW6432Node\Microsoft\Windows Kits\Installed Roots', 'HKLM:\SOFTWARE\Microsoft\Windows Kits\Installed Roots')) {
        $entry = Get-ItemProperty -LiteralPath $key -Name 'KitsRoot10' -ErrorAction SilentlyContinue
        if ($null -ne $entry) { $kitsRoot = $entry.KitsRoot10; break }
    }
    if ($null -eq $kitsRoot) {
        Stop-Build 'The Windows ADK is not installed (no KitsRoot10 in HKLM\SOFTWARE\WOW6432Node\Microsoft\Windows Kits\Installed Roots). Install the Windows ADK with its Deployment Tools, then the WinPE add-on of the same version (docs\winpe.md).'
    }
    $adkDir = Join-Path $kitsRoot 'Assessment and Deployment Kit'
    $winpeDir = Join-Path $adkDir 'Windows Preinstallation Environment'
    $adk = [pscustomobject]@{
        SetEnv             = Join-Path $adkDir 'Deployment Tools\DandISetEnv.bat'
        Dism               = Join-Path $adkDir "Deployment Tools\$Arch\DISM\dism.exe"
        Copype             = Join-Path $winpeDir 'copype.cmd'
        MakeMedia          = Join-Path $winpeDir 'MakeWinPEMedia.cmd'
        OptionalComponents = Join-Path $winpeDir "$Arch\WinPE_OCs"
    }
    if (-not (Test-Path -LiteralPath $adk.SetEnv)) {
        Stop-Build "The ADK's Deployment Tools are missing ($($adk.SetEnv)): run the ADK installer again and select Deployment Tools."
    }
    if (-not (Test-Path -LiteralPath $adk.Copype) -or -not (Test-Path -LiteralPath $adk.OptionalComponents)) {
        Stop-Build "The WinPE add-on of the ADK is missing ($winpeDir\$Arch): install the Windows PE add-on of the same version as the ADK (docs\winpe.md)."
    }
    return $adk
}

function Invoke-AdkCommand([object]$Adk, [string]$CommandLine, [string]$What) {
    # copype and MakeWinPEMedia are batch files that need the variables DandISetEnv.bat sets
    # (WinPERoot, OSCDImgRoot, PATH): one cmd.exe runs both from a small batch file, which avoids
    # PowerShell 5.1's quoting of arguments that hold quotes. OEM is the code page cmd.exe reads.
    $batch = Join-Path ([System.IO.Path]::GetTempPath()) "lifeboat-winpe-$PID.cmd"
    Set-Content -LiteralPath $batch -Encoding Oem -Value @('@echo off', "call `"$($Adk.SetEnv)`" >nul", $CommandLine, 'exit /b %ERRORLEVEL%')
    try {
        & cmd.exe /d /c $batch
        if ($LASTEXITCODE -ne 0) { Stop-Build "$What failed with exit code $LASTEXITCODE; its messages are above." }
    } finally {
        Remove-Item -LiteralPath $batch -Force -ErrorAction SilentlyContinue
    }
}

function Invoke-Dism([string]$What, [scriptblock]$Action) {
    try {
        & $Action
    } catch {
        Stop-Build "DISM could not $What`: $($_.Exception.Message) DISM's log: $DismLog"
    }
}

function Clear-StaleMount {
    # A build stopped hard (window closed, power cut) leaves boot.wim mounted, and copype refuses a
    # folder that exists: discard what such a build left, then start from fresh WinPE files.
    foreach ($image in @(Get-WindowsImage -Mounted | Where-Object { $_.Path -eq $MountDir })) {
        Write-Step "Discarding the image a stopped build left mounted at $($image.Path)"
        Invoke-Dism 'discard the image left mounted' { Dismount-WindowsImage -Path $image.Path -Discard -LogPath $DismLog | Out-Null }
    }
    Invoke-Dism 'clean up stale mount points' { Clear-WindowsCorruptMountPoint -LogPath $DismLog | Out-Null }
    if (Test-Path -LiteralPath $WorkDir) { Remove-Item -LiteralPath $WorkDir -Recurse -Force }
}

function Add-OptionalComponents([object]$Adk) {
    $names = $BaseComponents
    if ($PowerShell) { $names = $BaseComponents + $PowerShellComponents }
    foreach ($name in $names) {
        $neutral = Join-Path $Adk.OptionalComponents "$name.cab"
        $language = Join-Path $Adk.OptionalComponents "en-us\$($name)_en-us.cab"
        if (-not (Test-Path -LiteralPath $neutral)) {
            Stop-Build "The WinPE add-on has no $neutral`: repair or reinstall the WinPE add-on."
        }
        Write-Step "Adding $name"
        Invoke-Dism "add $name" { Add-WindowsPackage -Path $MountDir -PackagePath $neutral -LogPath $DismLog | Out-Null }
        if (Test-Path -LiteralPath $language) {
            Invoke-Dism "add $name's language pack" { Add-WindowsPackage -Path $MountDir -PackagePath $language -LogPath $DismLog | Out-Null }
        }
    }
}

function Copy-TextWithCrlf([string]$Name, [string]$Destination) {
    # cmd.exe misreads labels and GOTO in batch files with bare LF line ends, which a copy made
    # without .gitattributes (a zip, a checkout on Linux) may have: write CRLF whatever the source.
    $text = [System.IO.File]::ReadAllText((Join-Path $BootFiles $Name)) -replace '\r?\n', "`r`n"
    [System.IO.File]::WriteAllText((Join-Path $Destination $Name), $text, [System.Text.Encoding]::ASCII)
}

function Copy-LifeboatFiles {
    # X:\lifeboat holds the program and its scripts; startnet.cmd and winpeshl.ini must be in
    # System32, where WinPE looks for them, and so must the DLLs, where Windows looks for them.
    $lifeboatDir = Join-Path $MountDir 'lifeboat'
    $system32 = Join-Path $MountDir 'Windows\System32'
    New-Item -ItemType Directory -Path $lifeboatDir -Force | Out-Null
    Copy-Item -LiteralPath $Exe -Destination (Join-Path $lifeboatDir 'lifeboat-win-x64.exe')
    Copy-TextWithCrlf 'lifeboat.cmd' $lifeboatDir
    Copy-TextWithCrlf 'lifeboat-job.cmd' $lifeboatDir
    Copy-TextWithCrlf 'startnet.cmd' $system32
    Copy-TextWithCrlf 'winpeshl.ini' $system32
    foreach ($dll in $VcRuntimeDlls) {
        $from = Join-Path $env:SystemRoot "System32\$dll"
        if (Test-Path -LiteralPath $from -PathType Leaf) { Copy-Item -LiteralPath $from -Destination $system32 -Force }
    }
}

function New-WinPEImage([object]$Adk) {
    $wim = Join-Path $WorkDir 'media\sources\boot.wim'
    Write-Step "Mounting $wim"
    Invoke-Dism 'mount boot.wim' { Mount-WindowsImage -ImagePath $wim -Index 1 -Path $MountDir -LogPath $DismLog | Out-Null }
    $saved = $false
    try {
        Add-OptionalComponents $Adk
        if ($Drivers -ne '') {
            Write-Step "Adding the drivers of $Drivers"
            $added = @(Invoke-Dism 'add the drivers' { Add-WindowsDriver -Path $MountDir -Driver $Drivers -Recurse -LogPath $DismLog })
            Write-Host "$($added.Count) driver(s) added."
        }
        # Lifeboat unpacks its helper and addons (about 4 MiB) into TEMP on X:, whose room is
        # WinPE's scratch space: 32 MB unless set; 512 MB also leaves room for logs and tools.
        $dism = $Adk.Dism
        if (-not (Test-Path -LiteralPath $dism)) { $dism = 'dism.exe' }
        & $dism "/Image:$MountDir" '/Set-ScratchSpace:512' "/LogPath:$DismLog" | Out-Null
        if ($LASTEXITCODE -ne 0) { Stop-Build "DISM could not set the scratch space (exit code $LASTEXITCODE). DISM's log: $DismLog" }
        Write-Step 'Copying Lifeboat into the image'
        Copy-LifeboatFiles
        Write-Step 'Saving the image'
        Invoke-Dism 'save the image' { Dismount-WindowsImage -Path $MountDir -Save -LogPath $DismLog | Out-Null }
        $saved = $true
    } finally {
        # Never leave boot.wim mounted: a mounted image blocks the next build and holds files open.
        if (-not $saved) {
            Write-Step 'Discarding the changes to the image'
            Dismount-WindowsImage -Path $MountDir -Discard -LogPath $DismLog -ErrorAction Continue | Out-Null
        }
    }
}

function Get-DiskNumberOfPath([string]$Path) {
    $letter = [System.IO.Path]::GetPathRoot($Path).Substring(0, 1)
    $partition = Get-Partition -DriveLetter $letter -ErrorAction SilentlyContinue
    if ($null -eq $partition) { return -1 }
    return $partition.DiskNumber
}

function Confirm-UsbDisk {
    $disk = Get-Disk -Number $UsbDisk -ErrorAction SilentlyContinue
    if ($null -eq $disk) { Stop-Build "There is no disk $UsbDisk. Get-Disk lists the disks and their numbers." }
    $name = "disk $UsbDisk ($($disk.FriendlyName), $([math]::Round($disk.Size / 1GB, 1)) GB, $($disk.BusType))"
    if ($disk.IsSystem -or $disk.IsBoot) { Stop-Build "$name holds the running Windows: it is never written. Get-Disk lists the disks; choose the USB stick." }
    # Only USB sticks and cards: a mistyped number must not be able to erase an internal disk.
    if (@('USB', 'SD', 'MMC') -notcontains [string]$disk.BusType) { Stop-Build "$name is not a USB disk; this script writes only USB sticks and memory cards." }
    if ((Get-DiskNumberOfPath $OutDir) -eq $UsbDisk -or (Get-DiskNumberOfPath $Exe) -eq $UsbDisk) {
        Stop-Build "$name holds the build's own files ($OutDir or $Exe): choose another disk or move them."
    }
    if ($disk.Size -lt 4GB) { Stop-Build "$name is too small: 2 GiB go to WinPE and the rest holds images, so it needs 4 GB at least." }
    Write-Host ''
    Write-Host "Disk $UsbDisk`: $($disk.FriendlyName), serial $($disk.SerialNumber), $([math]::Round($disk.Size / 1GB, 1)) GB, $($disk.BusType)"
    foreach ($partition in @(Get-Partition -DiskNumber $UsbDisk -ErrorAction SilentlyContinue)) {
        $volume = $partition | Get-Volume -ErrorAction SilentlyContinue
        $label = if ($null -ne $volume) { "$($volume.FileSystem) `"$($volume.FileSystemLabel)`"" } else { '' }
        Write-Host "  partition $($partition.PartitionNumber): $([math]::Round($partition.Size / 1GB, 1)) GB $label $($partition.DriveLetter)"
    }
    Write-Host "EVERYTHING ON DISK $UsbDisk WILL BE ERASED." -ForegroundColor Yellow
    $answer = Read-Host "Type $UsbDisk to erase it and write Lifeboat's WinPE on it (anything else stops)"
    if ($answer.Trim() -ne [string]$UsbDisk) { Stop-Build "Stopped: the answer was not $UsbDisk. Nothing was written to the disk." }
    return $disk
}

function Write-UsbStick([object]$Adk) {
    $disk = Confirm-UsbDisk
    # MBR boots on both BIOS and UEFI. UEFI firmware boots only from FAT, and Windows formats FAT32
    # up to 32 GB, so WinPE gets a 2 GiB FAT32 partition; images go on the rest, NTFS, whose
    # journal survives a power cut and which has no 4 GiB file limit. MakeWinPEMedia /UFD formats
    # only the volume it is given, which keeps the data partition.
    Write-Step "Partitioning disk $UsbDisk"
    # Clear-Disk refuses a disk that was never initialized (RAW); such a disk has nothing to clear.
    if ($disk.PartitionStyle -ne 'RAW') { Clear-Disk -Number $UsbDisk -RemoveData -RemoveOEM -Confirm:$false }
    if ((Get-Disk -Number $UsbDisk).PartitionStyle -eq 'RAW') { Initialize-Disk -Number $UsbDisk -PartitionStyle MBR }
    $boot = New-Partition -DiskNumber $UsbDisk -Size 2GB -MbrType FAT32 -IsActive -AssignDriveLetter
    Format-Volume -Partition $boot -FileSystem FAT32 -NewFileSystemLabel 'LIFEBOAT' -Confirm:$false | Out-Null
    $data = New-Partition -DiskNumber $UsbDisk -UseMaximumSize -MbrType IFS -AssignDriveLetter
    Format-Volume -Partition $data -FileSystem NTFS -NewFileSystemLabel 'LIFEBOAT-DATA' -Confirm:$false | Out-Null
    [string]$bootLetter = (Get-Partition -DiskNumber $UsbDisk -PartitionNumber $boot.PartitionNumber).DriveLetter
    [string]$dataLetter = (Get-Partition -DiskNumber $UsbDisk -PartitionNumber $data.PartitionNumber).DriveLetter
    if ($bootLetter -notmatch '^[A-Z]$' -or $dataLetter -notmatch '^[A-Z]$') {
        Stop-Build "Windows gave the new partitions of disk $UsbDisk no drive letter (automatic letters may be off: mountvol /E turns them on). Run the script again."
    }
    Write-Step "Writing WinPE to $bootLetter`:"
    Invoke-AdkCommand $Adk "call `"$($Adk.MakeMedia)`" /UFD /F `"$WorkDir`" $bootLetter`:" 'MakeWinPEMedia /UFD'
    $volume = Get-Volume -DriveLetter $dataLetter -ErrorAction SilentlyContinue
    if ($null -eq $volume -or $volume.FileSystemLabel -ne 'LIFEBOAT-DATA') {
        Stop-Build "MakeWinPEMedia changed more than the boot partition: $dataLetter`: is no longer LIFEBOAT-DATA. WinPE boots from the stick, but create the data partition again (docs\winpe.md)."
    }
    Copy-Item -LiteralPath (Join-Path $BootFiles 'lifeboat-job.example.txt') -Destination "$dataLetter`:\"
    Write-Host "The stick is ready: WinPE on $bootLetter`:, images and job files on $dataLetter`: (LIFEBOAT-DATA)."
}

function Invoke-Build {
    Assert-Prerequisites
    $adk = Find-Adk
    New-Item -ItemType Directory -Path $OutDir -Force | Out-Null
    Write-Step "Copying the WinPE files for $Arch into $WorkDir"
    Clear-StaleMount
    Invoke-AdkCommand $adk "call `"$($adk.Copype)`" $Arch `"$WorkDir`"" 'copype'
    New-WinPEImage $adk
    # On the ISO and on the stick's boot partition: the job format, by example, without running it.
    Copy-Item -LiteralPath (Join-Path $BootFiles 'lifeboat-job.example.txt') -Destination (Join-Path $WorkDir 'media')
    $iso = Join-Path $OutDir 'lifeboat-winpe.iso'
    Write-Step "Making $iso"
    Invoke-AdkCommand $adk "call `"$($adk.MakeMedia)`" /ISO /F `"$WorkDir`" `"$iso`"" 'MakeWinPEMedia /ISO'
    Write-Host "ISO ready: $iso"
    if ($UsbDisk -ge 0) { Write-UsbStick $adk }
}

try {
    Invoke-Build
} catch {
    Write-Host "error: $($_.Exception.Message)" -ForegroundColor Red
    if (-not $_.Exception.Data.Contains('LifeboatSentence')) { Write-Host $_.ScriptStackTrace }
    exit 1
}
