; Inno Setup 6.3 (or later) script: installs the one-folder build of CCP Field Desk on Windows 10/11
; (64-bit) with a Start-menu entry, an optional desktop shortcut and an uninstaller.
;
; On a Windows build machine, from the repository root (see README, "Building on Windows"):
;   .venv\Scripts\pyinstaller --noconfirm --clean --distpath dist --workpath build\work build\ccp_desktop.spec
;   iscc /DAppVersion=0.2.0 build\installer\windows.iss
; Output: dist\ccp-field-desk-<version>-windows-x64-setup.exe
;
; Officers' databases live in their own data folders (%LOCALAPPDATA%\ccp-field-desk), never in the
; program folder: an upgrade or an uninstall leaves them alone.

#ifndef AppVersion
  #error Give the version: iscc /DAppVersion=0.2.0 build\installer\windows.iss
#endif

#define AppName "CCP Field Desk"
#define AppExe "ccp-field-desk.exe"
; Never change this GUID: Windows recognises upgrades and the uninstaller by it.
#define AppGuid "{{9BC915D5-EC58-4BD9-8803-E4A7F3E14C39}"
#define RepoRoot AddBackslash(SourcePath) + "..\.."
#define DistDir RepoRoot + "\dist\ccp-field-desk"

#if !FileExists(DistDir + "\" + AppExe)
  #error dist\ccp-field-desk\ccp-field-desk.exe not found: run PyInstaller with build\ccp_desktop.spec first
#endif

[Setup]
AppId={#AppGuid}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=Cyber Cooperation Program
AppComments=Offline records and Excel sync packages for the Cyber Cooperation Program
VersionInfoVersion={#AppVersion}
VersionInfoProductName={#AppName}
; IT staff install for every user of the laptop; someone without admin rights may choose a
; per-user install in the dialog instead.
PrivilegesRequired=admin
PrivilegesRequiredOverridesAllowed=dialog
DefaultDirName={autopf}\{#AppName}
DisableProgramGroupPage=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir={#RepoRoot}\dist
OutputBaseFilename=ccp-field-desk-{#AppVersion}-windows-x64-setup
SetupIconFile={#RepoRoot}\resources\icons\ccp-field-desk.ico
WizardStyle=modern
Compression=lzma2/max
SolidCompression=yes
Uninstallable=yes
UninstallDisplayName={#AppName}
UninstallDisplayIcon={app}\{#AppExe}
; Ask a running copy to close before its files are replaced.
CloseApplications=yes
RestartApplications=no

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[InstallDelete]
; An upgrade replaces the bundled libraries whole, so no file of an older version lingers beside them.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
; The whole one-folder build: ccp-field-desk.exe (the app), ccp-desktop.exe (the same program with a
; console, for the command line and --self-test) and _internal\ (Python, Qt, resources).
Source: "{#DistDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"; Comment: "Record activities and equipment deliveries; send sync packages to HQ"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#StringChange(AppName, '&', '&&')}}"; Flags: nowait postinstall skipifsilent
