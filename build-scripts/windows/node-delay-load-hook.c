/*
 * Lets a cross-built Node addon find the Node-API functions in whatever executable loaded it.
 *
 * The addon's imports of napi_* are delay-loaded from a DLL named "node.exe" (the import library
 * build-zstd-napi.mjs makes from node-api-headers' node_api.def). Node-API lives in the host
 * program, and ours is called lifeboat-win-x64.exe, so loading "node.exe" by name would fail or,
 * worse, find some other Node on PATH. When the delay-load helper is about to load "node.exe",
 * this hook hands it the module of the running program instead: the idea of node-gyp's
 * win_delay_load_hook.cc, written for mingw-w64's delay-load helper (delayimp.h).
 *
 * The hook is a statically initialised variable, not one set at run time: the delay-load helper
 * reads it on the first napi_* call, and no code of ours needs to run before that.
 */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#include <delayimp.h>
#include <string.h>

static FARPROC WINAPI lifeboat_load_host_program(unsigned notify, PDelayLoadInfo info)
{
    if (notify != dliNotePreLoadLibrary || info == NULL || info->szDll == NULL) return NULL;
    if (_stricmp(info->szDll, "node.exe") != 0) return NULL;
    /* The module handle of the process's executable: the program that carries Node-API. */
    return (FARPROC)(void *)GetModuleHandleW(NULL);
}

/* Defining the hook here keeps libmingwex's empty default (delay-n.o) out of the link. */
PfnDliHook __pfnDliNotifyHook2 = lifeboat_load_host_program;
