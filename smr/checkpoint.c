/*
 * smr/checkpoint.c - the DEBRA+ checkpoint on x86_64: smr__cp_arm (what
 * smr_checkpoint calls, smr.h) and smr_cp_jump (the neutralisation handler's
 * way back to it).  A minimal setjmp/longjmp pair for one purpose: the jump
 * always comes from the signal handler running on the checkpoint's own thread
 * and stack, below the checkpoint's frame, so it saves only what a function
 * call preserves (rbx, rbp, r12-r15), the caller's stack pointer and the
 * return address; no signal mask (smr__restarted unblocks the signal), no
 * pointer mangling, no shadow stack (smr.h uses sigsetjmp instead when the
 * caller is built with CET or a sanitizer).
 *
 * The assembly addresses the context by fixed offsets (below, asserted
 * against the structures at compile time: a layout change fails the build
 * here rather than corrupting a context).
 */
#include <stddef.h>

#include "internal.h"

#if defined(__x86_64__) && defined(__ELF__)

#define SMR_CP_OFF_JB 288   /* offsetof(struct smr_context, priv.jb) */
#define SMR_CP_OFF_FLAG 64  /* offsetof(struct smr_context, sh.neutralizable) */
#define SMR_CP_OFF_REGS SMR_CP_OFF_JB
_Static_assert(offsetof(struct smr_context, priv.jb) == SMR_CP_OFF_JB, "smr/checkpoint.c: update SMR_CP_OFF_JB");
_Static_assert(offsetof(struct smr_context, sh.neutralizable) == SMR_CP_OFF_FLAG,
               "smr/checkpoint.c: update SMR_CP_OFF_FLAG");
_Static_assert(offsetof(struct smr__jmp, regs) == 0 && SMR__CP_PC == 7,
               "smr/checkpoint.c: regs at 0, the resume address (never 0) last");

#define SMR_CP_S_(x) #x
#define SMR_CP_S(x) SMR_CP_S_(x)
#define REG(i) SMR_CP_S(SMR_CP_OFF_REGS + 8 * i)

/*
 * void smr__cp_arm(smr_context_t *ctx), rdi = ctx, return address at (%rsp):
 * the jump buffer (the caller's stack pointer after the return is rsp + 8),
 * then the region opened as smr__arm (smr.h) opens it: the armed context in
 * the thread's smr__t_armed, then the flag (the handler runs on this thread,
 * so program order is the order it sees).
 *
 * smr_cp_jump(const struct smr__jmp *jb), from the handler: the callee-saved
 * registers back, the stack as it was inside smr__cp_arm (the return address
 * back in its slot, below the caller's frame; everything lower, the handler's
 * frames included, is abandoned), then smr__restarted(ctx) (an ABI call: the
 * stack is 16-byte aligned at it, and it preserves the registers just
 * restored), then smr__cp_arm again, which returns to the checkpoint.
 */
__asm__(".pushsection .text\n"
        ".globl smr__cp_arm\n"
        ".type smr__cp_arm, @function\n"
        ".p2align 4\n"
        "smr__cp_arm:\n"
        ".Lsmr_cp_arm:\n"
        "	.cfi_startproc\n"
        "	movq %rbx, " REG(0) "(%rdi)\n"
        "	movq %rbp, " REG(1) "(%rdi)\n"
        "	movq %r12, " REG(2) "(%rdi)\n"
        "	movq %r13, " REG(3) "(%rdi)\n"
        "	movq %r14, " REG(4) "(%rdi)\n"
        "	movq %r15, " REG(5) "(%rdi)\n"
        "	leaq 8(%rsp), %rdx\n"
        "	movq %rdx, " REG(6) "(%rdi)\n"
        "	movq (%rsp), %rdx\n"
        "	movq %rdx, " REG(7) "(%rdi)\n" /* non-zero: this kind of save */
        "	movq smr__t_armed@gottpoff(%rip), %rax\n"
        "	movq %rdi, %fs:(%rax)\n"
        "	movl $1, " SMR_CP_S(SMR_CP_OFF_FLAG) "(%rdi)\n"
        "	ret\n"
        "	.cfi_endproc\n"
        ".size smr__cp_arm, .-smr__cp_arm\n"
        "\n"
        ".globl smr_cp_jump\n"
        ".hidden smr_cp_jump\n"
        ".type smr_cp_jump, @function\n"
        ".p2align 4\n"
        "smr_cp_jump:\n"
        "	.cfi_startproc\n"
        "	.cfi_undefined rip\n"
        "	movq 0(%rdi), %rbx\n"
        "	movq 8(%rdi), %rbp\n"
        "	movq 16(%rdi), %r12\n"
        "	movq 24(%rdi), %r13\n"
        "	movq 32(%rdi), %r14\n"
        "	movq 40(%rdi), %r15\n"
        "	movq 48(%rdi), %rsp\n"
        "	pushq 56(%rdi)\n"
        "	.cfi_def_cfa rsp, 8\n"
        "	.cfi_offset rip, -8\n"
        "	subq $" SMR_CP_S(SMR_CP_OFF_JB) ", %rdi\n"
        "	pushq %rdi\n"
        "	.cfi_adjust_cfa_offset 8\n"
        "	call smr__restarted@PLT\n"
        "	popq %rdi\n"
        "	.cfi_adjust_cfa_offset -8\n"
        "	jmp .Lsmr_cp_arm\n"
        "	.cfi_endproc\n"
        ".size smr_cp_jump, .-smr_cp_jump\n"
        ".popsection\n");

#else

/* No checkpoint saves a resume address on other targets (smr.h uses sigsetjmp
 * there): never called. */
void smr_cp_jump(const struct smr__jmp *jb)
{
	(void)jb;
	__builtin_trap();
}

#endif
