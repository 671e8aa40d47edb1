import * as vscode from 'vscode';
import { readSettings, SETTINGS_SECTION, type Settings } from '../../server/src/protocol';

/** Builds the typed settings for a resource in one place (the server asks through workspace/configuration). */
export function currentSettings(scope?: vscode.ConfigurationScope): Settings {
  return readSettings(vscode.workspace.getConfiguration(SETTINGS_SECTION, scope));
}
