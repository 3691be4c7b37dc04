export type { DirEntry, FileHandle, FileStat, FileSystem, OpenFlags } from './file-system.js';
export { nodeFileSystem } from './node-file-system.js';
export { MemoryFileSystem } from './memory-file-system.js';
export {
  FILE_SYSTEM_OPERATIONS,
  FaultyFileSystem,
  INJECTABLE_ERRNOS,
  type FaultPlan,
  type FaultyFileSystemOptions,
  type FileSystemCall,
  type FileSystemOperation,
  type InjectableErrno,
} from './faulty-file-system.js';
