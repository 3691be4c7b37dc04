export type { DirEntry, FileHandle, FileStat, FileSystem, OpenFlags } from './file-system.js';
export { nodeFileSystem } from './node-file-system.js';
export { MemoryFileSystem } from './memory-file-system.js';
