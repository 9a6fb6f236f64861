import { MemoryConfigStore } from '../memory/memory-store.js';
import { FileConfigSource, type FileConfigSourceOptions } from './file-source.js';

/** A ConfigStore that mirrors a standalone file (see FileConfigSource); closing it stops the polling. */
export class StandaloneFileStore extends MemoryConfigStore {
  private readonly source: FileConfigSource;

  constructor(opts: Omit<FileConfigSourceOptions, 'store'>) {
    super();
    this.source = new FileConfigSource({ ...opts, store: this });
  }

  /** Load the file once, then follow its changes. */
  start(): Promise<void> {
    return this.source.start();
  }

  override async close(): Promise<void> {
    this.source.stop();
    await super.close();
  }
}
